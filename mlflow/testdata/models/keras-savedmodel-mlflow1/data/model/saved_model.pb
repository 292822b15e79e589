placeholder bytes for data/model/saved_model.pb of fixture keras-savedmodel-mlflow1
